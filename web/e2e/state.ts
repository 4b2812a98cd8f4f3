/** What global-setup started, shared with the tests through a file (they run in another process). */
import { readFileSync } from "node:fs";
import { join } from "node:path";

export interface KnownExchange {
  question: string;
  answer: string;
  model: string;
  is_fallback: boolean;
  latency_ms: number;
  cost_usd: number;
}

export interface StackState {
  baseUrl: string;
  password: string;
  apiUrl: string;
  apiToken: string;
  controlUrl: string;
  serverJs: string;
  knownDialog: {
    chat_id: number;
    user: { id: number; username: string; first_name: string; last_name: string };
    exchanges: KnownExchange[];
  };
}

export const STATE_FILE = join(__dirname, ".state", "stack.json");

export function readState(): StackState {
  return JSON.parse(readFileSync(STATE_FILE, "utf8")) as StackState;
}
