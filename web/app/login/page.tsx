import type { Metadata } from "next";
import { LockKeyholeIcon } from "lucide-react";

import { Brand } from "@/components/shell/brand";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { loginError } from "@/lib/login";
import { safeNextPath } from "@/lib/server/redirect";

export const metadata: Metadata = { title: "Log in" };
export const dynamic = "force-dynamic";

type Search = Record<string, string | string[] | undefined>;

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

export default async function LoginPage({ searchParams }: { searchParams: Promise<Search> }) {
  const params = await searchParams;
  const next = safeNextPath(first(params.next));
  const error = loginError(first(params.error), first(params.retry));
  return (
    <main className="relative grid min-h-dvh place-items-center overflow-hidden px-4">
      <div
        aria-hidden
        className="pointer-events-none absolute inset-0 bg-[radial-gradient(60rem_30rem_at_50%_-10%,color-mix(in_oklch,var(--chart-1)_14%,transparent),transparent)]"
      />
      <div className="relative w-full max-w-sm">
        <div className="mb-6 flex justify-center">
          <Brand />
        </div>
        <Card className="shadow-sm">
          <CardHeader>
            <CardTitle className="text-lg">
              <h1>Log in</h1>
            </CardTitle>
            <CardDescription>Enter the dashboard password (DASHBOARD_PASSWORD).</CardDescription>
          </CardHeader>
          <CardContent>
            {/* A plain form post: the password goes to this server only, and it works without JavaScript. */}
            <form action="/api/auth/login" method="post" className="grid gap-4">
              <input type="hidden" name="next" value={next} />
              <div className="grid gap-2">
                <Label htmlFor="password">Password</Label>
                <Input
                  id="password"
                  name="password"
                  type="password"
                  autoComplete="current-password"
                  required
                  autoFocus
                  aria-invalid={error ? true : undefined}
                  aria-describedby={error ? "login-error" : undefined}
                />
              </div>
              {error && (
                <p id="login-error" role="alert" className="text-sm text-destructive">
                  {error}
                </p>
              )}
              <Button type="submit" className="w-full">
                <LockKeyholeIcon />
                Log in
              </Button>
            </form>
          </CardContent>
        </Card>
        <p className="mt-6 text-center text-xs text-muted-foreground">Sessions last 7 days on this browser.</p>
      </div>
    </main>
  );
}
