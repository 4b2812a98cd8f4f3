export function Brand() {
  return (
    <div className="flex items-center gap-2.5">
      <div className="grid size-8 place-items-center rounded-lg bg-foreground text-background shadow-sm">
        <svg viewBox="0 0 32 32" className="size-5" aria-hidden>
          <path d="M9 21c0-4.1 3.1-7.5 7-7.5s7 3.4 7 7.5" fill="none" stroke="currentColor" strokeWidth="2.8" strokeLinecap="round" />
          <circle cx="16" cy="9.5" r="2.4" fill="#38bdf8" />
        </svg>
      </div>
      <div className="leading-tight">
        <div className="text-sm font-semibold tracking-tight">assistant</div>
        <div className="text-[11px] text-muted-foreground">bot dashboard</div>
      </div>
    </div>
  );
}
