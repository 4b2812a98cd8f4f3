import { LogOutIcon } from "lucide-react";

import { Button } from "@/components/ui/button";

/** A plain form post: works before hydration, and the cookie is HttpOnly so only the server can clear it. */
export function LogoutButton({ withLabel = false }: { withLabel?: boolean }) {
  return (
    <form action="/api/auth/logout" method="post">
      <Button
        type="submit"
        variant="ghost"
        size={withLabel ? "sm" : "icon-sm"}
        className={withLabel ? "w-full justify-start text-muted-foreground" : "text-muted-foreground"}
        aria-label="Log out"
        title="Log out"
      >
        <LogOutIcon />
        {withLabel && "Log out"}
      </Button>
    </form>
  );
}
