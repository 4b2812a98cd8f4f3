import { redirect } from "next/navigation";

import { Providers } from "@/components/providers";
import { AppShell } from "@/components/shell/app-shell";
import { hasSession, requireConfig } from "@/lib/server/auth";

// Every page depends on the session cookie and live data: never prerendered.
export const dynamic = "force-dynamic";

export default async function DashboardLayout({ children }: { children: React.ReactNode }) {
  // The middleware already checked the session; checked again here so no page can render without it.
  if (!(await hasSession())) redirect("/login");
  const { refreshSeconds } = requireConfig();
  return (
    <Providers refreshMs={refreshSeconds * 1000}>
      <AppShell>{children}</AppShell>
    </Providers>
  );
}
