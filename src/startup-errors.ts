/**
 * Start-up failures an operator can fix get one line instead of a stack trace. A port another process
 * holds is the most common one on a developer's machine.
 */
export function startupFailureLine(error: unknown, port: number | undefined): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'EADDRINUSE') return `port ${port ?? '(PORT)'} is in use; set PORT to a free port`;
  if (code === 'EACCES') return `port ${port ?? '(PORT)'} needs elevated privileges; set PORT above 1023`;
  return undefined;
}
