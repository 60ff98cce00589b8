/**
 * Another process holds the embedded database's data directory. In a file of its own so that the entry points
 * can name it without loading PGlite, which only a start on the embedded database needs.
 */
export class EmbeddedDatabaseLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(
      `embedded database in ${dataDir} is in use by process ${pid}; stop it or set DATA_DIR to another directory`,
    );
    this.name = 'EmbeddedDatabaseLockedError';
  }
}
