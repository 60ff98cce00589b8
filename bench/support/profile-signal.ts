/**
 * The signal that toggles the profiler in the app. Not SIGUSR2: Nest's enableShutdownHooks() treats it
 * as a shutdown signal. SIGWINCH is ignored by default, so a process without the preload is unharmed.
 */
export const PROFILE_SIGNAL = 'SIGWINCH' as const;
