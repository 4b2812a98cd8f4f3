"use client";

import { MenuIcon } from "lucide-react";
import { useState } from "react";

import { Brand } from "@/components/shell/brand";
import { LogoutButton } from "@/components/shell/logout-button";
import { NavLinks } from "@/components/shell/nav-links";
import { Button } from "@/components/ui/button";
import { Sheet, SheetContent, SheetDescription, SheetHeader, SheetTitle, SheetTrigger } from "@/components/ui/sheet";

export function MobileNav() {
  const [open, setOpen] = useState(false);
  return (
    <Sheet open={open} onOpenChange={setOpen}>
      <SheetTrigger asChild>
        <Button variant="ghost" size="icon-sm" className="md:hidden" aria-label="Open menu">
          <MenuIcon />
        </Button>
      </SheetTrigger>
      <SheetContent side="left" className="w-64 bg-sidebar p-0">
        <SheetHeader className="pb-2">
          <SheetTitle asChild>
            <div>
              <Brand />
            </div>
          </SheetTitle>
          <SheetDescription className="sr-only">Pages of the dashboard</SheetDescription>
        </SheetHeader>
        <div className="flex-1 px-2">
          <NavLinks onNavigate={() => setOpen(false)} />
        </div>
        <div className="border-t border-sidebar-border p-2">
          <LogoutButton withLabel />
        </div>
      </SheetContent>
    </Sheet>
  );
}
