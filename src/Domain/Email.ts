/** The domain rule of email identity: addresses are compared case-insensitively. */

/** Emails are compared case-insensitively: stored trimmed and lower-cased. */
export const normaliseEmail = (email: string) => email.trim().toLowerCase()
