import { Suspense } from "react";

import { ApiStatusBanner } from "@/components/shell/api-status-banner";
import { LiveIndicator } from "@/components/shell/live-indicator";
import { MobileNav } from "@/components/shell/mobile-nav";
import { Sidebar } from "@/components/shell/sidebar";
import { ThemeToggle } from "@/components/shell/theme-toggle";
import { TimeRangePicker } from "@/components/shell/time-range-picker";

export function AppShell({ children }: { children: React.ReactNode }) {
  return (
    <div className="flex min-h-dvh">
      <Sidebar />
      <div className="flex min-w-0 flex-1 flex-col">
        <header className="sticky top-0 z-30 border-b bg-background/80 backdrop-blur supports-[backdrop-filter]:bg-background/70">
          <div className="mx-auto flex h-14 max-w-7xl items-center gap-2 px-4 md:px-6">
            <Suspense>
              <MobileNav />
            </Suspense>
            <div className="flex-1" />
            <LiveIndicator />
            <Suspense>
              <TimeRangePicker />
            </Suspense>
            <ThemeToggle />
          </div>
        </header>
        <main className="mx-auto w-full max-w-7xl flex-1 px-4 py-6 md:px-6 md:py-8">
          <ApiStatusBanner />
          {children}
        </main>
      </div>
    </div>
  );
}
