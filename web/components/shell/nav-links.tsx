"use client";

import Link from "next/link";
import { usePathname, useSearchParams } from "next/navigation";

import { NAV_ITEMS, isActive } from "@/components/shell/nav";
import { cn } from "@/lib/utils";
import { rangeQuery } from "@/lib/time-range";

/** The page links; each keeps the current time range. */
export function NavLinks({ onNavigate }: { onNavigate?: () => void }) {
  const pathname = usePathname();
  const search = useSearchParams();
  const query = rangeQuery(search);
  return (
    <nav className="flex flex-col gap-0.5" aria-label="Pages">
      {NAV_ITEMS.map(({ href, label, icon: Icon }) => {
        const active = isActive(pathname, href);
        return (
          <Link
            key={href}
            href={`${href}${query}`}
            onClick={onNavigate}
            aria-current={active ? "page" : undefined}
            className={cn(
              "flex items-center gap-2.5 rounded-md px-2.5 py-2 text-sm font-medium text-sidebar-foreground transition-colors hover:bg-sidebar-accent hover:text-sidebar-accent-foreground",
              active && "bg-sidebar-accent text-sidebar-accent-foreground",
            )}
          >
            <Icon className={cn("size-4", active ? "text-foreground" : "text-muted-foreground")} />
            {label}
          </Link>
        );
      })}
    </nav>
  );
}
