/**
 * Where to send an operator after logging in: only paths of this dashboard. Anything that could
 * leave the site ("//evil.example", "https://…", "/\evil") or land on a JSON route gives "/".
 */
export function safeNextPath(value: string | null | undefined): string {
  if (!value || value.length > 2000) return "/";
  if (!value.startsWith("/") || value.startsWith("//") || value.startsWith("/\\")) return "/";
  if (/[\u0000-\u001f\\]/.test(value)) return "/";
  if (value.startsWith("/api/") || value.startsWith("/login")) return "/";
  return value;
}
