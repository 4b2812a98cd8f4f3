import { CloudOffIcon } from "lucide-react";

import { EmptyState } from "@/components/empty-state";

/** In place of figures that could not be loaded; the banner above says why. */
export function Unavailable({ className }: { className?: string }) {
  return (
    <EmptyState icon={CloudOffIcon} title="Figures unavailable" className={className}>
      They appear as soon as the stats API answers again.
    </EmptyState>
  );
}
