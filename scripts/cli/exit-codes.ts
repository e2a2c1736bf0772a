/** Exit codes of every CLI: 0 done; 1 done, with problems found (blockers, users not notified, messages not moved); 2 could not run. */
export const EXIT = { OK: 0, PROBLEMS: 1, ERROR: 2 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
