import { Suspense } from "react";

import { Brand } from "@/components/shell/brand";
import { LogoutButton } from "@/components/shell/logout-button";
import { NavLinks } from "@/components/shell/nav-links";

export function Sidebar() {
  return (
    <aside className="hidden w-56 shrink-0 border-r border-sidebar-border bg-sidebar md:block">
      {/* The border runs the page's full height; the content stays in view while scrolling. */}
      <div className="sticky top-0 flex h-dvh flex-col">
      <div className="px-4 pt-5 pb-6">
        <Brand />
      </div>
      <div className="flex-1 px-2">
        <Suspense>
          <NavLinks />
        </Suspense>
      </div>
      <div className="border-t border-sidebar-border p-2">
        <LogoutButton withLabel />
      </div>
      </div>
    </aside>
  );
}
