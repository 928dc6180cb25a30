/** A command line that can't be run as given: printed with the help text, exit status 2. */
export class UsageError extends Error {}
