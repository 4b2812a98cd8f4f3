import { UsersRoundIcon } from "lucide-react";

import { initials } from "@/lib/dialogs";
import { cn } from "@/lib/utils";

const TINTS = [
  "bg-sky-500/15 text-sky-700 dark:text-sky-300",
  "bg-emerald-500/15 text-emerald-700 dark:text-emerald-300",
  "bg-amber-500/15 text-amber-700 dark:text-amber-300",
  "bg-violet-500/15 text-violet-700 dark:text-violet-300",
  "bg-rose-500/15 text-rose-700 dark:text-rose-300",
];

/** Initials on a colour picked from the id, so the same chat always looks the same. */
export function Avatar({ name, id, group = false, className }: { name: string; id: number; group?: boolean; className?: string }) {
  const tint = TINTS[Math.abs(id) % TINTS.length];
  return (
    <div
      aria-hidden
      className={cn("grid size-8 shrink-0 place-items-center rounded-full text-xs font-semibold", tint, className)}
    >
      {group ? <UsersRoundIcon className="size-4" /> : initials(name)}
    </div>
  );
}
