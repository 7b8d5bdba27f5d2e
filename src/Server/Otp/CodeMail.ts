/**
 * The email that carries an EMAIL code: subject, plain text and HTML saying what the code is for
 * (a Rampart verification code for the account) and how long it lives (`Limits.codeTtlMs`). Pure.
 */
import { Limits } from "../../Domain/Policy.js"

/** The parts of a code email. */
export interface CodeMail {
  readonly subject: string
  readonly text: string
  readonly html: string
}

/** `ms` in words: "5 minutes", "1 minute", "90 seconds". */
export const durationInWords = (ms: number): string => {
  const [amount, unit] = ms % 60_000 === 0 ? [ms / 60_000, "minute"] : [Math.ceil(ms / 1000), "second"]
  return `${amount} ${unit}${amount === 1 ? "" : "s"}`
}

const htmlEntities: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;" }

/** `text` safe inside HTML text and quoted attribute values. */
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => htmlEntities[c]!)

/** The email carrying `code` for the account `to`. */
export const codeMail = (to: string, code: string): CodeMail => {
  const lifetime = durationInWords(Limits.codeTtlMs)
  const ignore = "If you did not ask for it, ignore this email; the code expires on its own."
  return {
    subject: `Your Rampart verification code (valid for ${lifetime})`,
    text: [
      `Your Rampart verification code for the account ${to} is:`,
      "",
      `    ${code}`,
      "",
      `It is valid for ${lifetime} and can be used once.`,
      ignore,
      ""
    ].join("\n"),
    html: [
      "<!doctype html>",
      "<html><body style=\"font-family: sans-serif\">",
      `<p>Your Rampart verification code for the account <strong>${escapeHtml(to)}</strong> is:</p>`,
      `<p style="font-size: 2em; letter-spacing: 0.2em"><strong>${escapeHtml(code)}</strong></p>`,
      `<p>It is valid for ${escapeHtml(lifetime)} and can be used once.</p>`,
      `<p>${escapeHtml(ignore)}</p>`,
      "</body></html>",
      ""
    ].join("\n")
  }
}
