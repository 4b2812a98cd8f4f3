/** The message the login page shows for the `error` its form handler redirected with. */
export function loginError(error: string | undefined, retry: string | undefined): string | null {
  if (error === "invalid") return "That password is not right.";
  if (error === "rate") {
    const seconds = Number(retry);
    const wait = Number.isFinite(seconds) && seconds > 0 ? ` Try again in ${Math.ceil(seconds / 60)} min.` : "";
    return `Too many attempts.${wait}`;
  }
  return null;
}
