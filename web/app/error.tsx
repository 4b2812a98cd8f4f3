"use client";

import { Button } from "@/components/ui/button";

/** A page crashed while rendering: say so plainly, never a stack trace. */
export default function ErrorPage({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <main className="grid min-h-[60dvh] place-items-center px-4 text-center">
      <div className="grid max-w-md gap-3">
        <h1 className="text-xl font-semibold tracking-tight">Something went wrong on this page</h1>
        <p className="text-sm text-muted-foreground">
          The dashboard hit an unexpected error{error.digest ? ` (reference ${error.digest})` : ""}. The server log has
          the details.
        </p>
        <div>
          <Button onClick={reset}>Try again</Button>
        </div>
      </div>
    </main>
  );
}
