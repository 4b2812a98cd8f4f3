import { ClockIcon, CoinsIcon, CpuIcon, LifeBuoyIcon } from "lucide-react";

import type { DialogMessage } from "@/lib/api/types";
import { formatDateTime, formatMs, formatTime, formatUsd, shortModelName } from "@/lib/format";
import { cn } from "@/lib/utils";

/**
 * One message as a chat bubble: the user's on the left, the bot's answers on the right with the
 * role, model, latency and cost; answers the fallback model gave carry an amber mark.
 */
export function MessageBubble({ message, authorName }: { message: DialogMessage; authorName: string }) {
  const out = message.direction === "out";
  return (
    <div
      data-testid="message"
      data-direction={message.direction}
      data-fallback={message.is_fallback ? "true" : undefined}
      className={cn("flex w-full", out ? "justify-end" : "justify-start")}
    >
      <div className={cn("flex max-w-[88%] flex-col gap-1 sm:max-w-[75%]", out ? "items-end" : "items-start")}>
        <div className="flex items-center gap-2 px-1 text-xs text-muted-foreground">
          <span className="font-medium text-foreground/80">{out ? "Assistant" : message.author || authorName}</span>
          {out && message.role && <span>· {message.role}</span>}
          <time dateTime={message.created_at} title={formatDateTime(message.created_at)} className="tabular">
            {formatTime(message.created_at)}
          </time>
        </div>
        <div
          className={cn(
            "rounded-2xl px-3.5 py-2.5 text-sm leading-relaxed whitespace-pre-wrap break-words shadow-xs",
            out
              ? "rounded-br-md bg-primary text-primary-foreground"
              : "rounded-bl-md border bg-card text-card-foreground",
            out && message.is_fallback && "bg-amber-100 text-amber-950 ring-2 ring-warning dark:bg-amber-400/15 dark:text-amber-50",
          )}
        >
          {message.text ?? <span className="italic opacity-70">Text removed by the retention policy</span>}
        </div>
        {out && (
          <div className="flex flex-wrap items-center justify-end gap-x-3 gap-y-1 px-1 text-xs text-muted-foreground tabular">
            {message.is_fallback && (
              <span
                data-testid="fallback-mark"
                className="inline-flex items-center gap-1 rounded-md bg-warning/15 px-1.5 py-0.5 font-medium text-warning-foreground"
                title="The primary model could not answer; the fallback model did"
              >
                <LifeBuoyIcon className="size-3" /> Fallback answered
              </span>
            )}
            {message.model && (
              <span className="inline-flex items-center gap-1" title={message.model}>
                <CpuIcon className="size-3" /> {shortModelName(message.model)}
              </span>
            )}
            <span className="inline-flex items-center gap-1" title="Question received to answer delivered">
              <ClockIcon className="size-3" /> {formatMs(message.latency_ms)}
            </span>
            <span className="inline-flex items-center gap-1" title="Cost of every request made for this answer">
              <CoinsIcon className="size-3" /> {formatUsd(message.cost_usd)}
            </span>
          </div>
        )}
      </div>
    </div>
  );
}
