/**
 * A real SMTP server for tests (the `smtp-server` package on a loopback port) that keeps every
 * message it accepts, parsed into envelope, headers, plain text and HTML; it can require a login,
 * speak TLS from the first byte (`smtps://`, its built-in test certificate) or refuse messages.
 */
import { createServer, type Socket } from "node:net"
import { SMTPServer } from "smtp-server"

/** One message the receiver accepted (or refused, see `refused`). */
export interface ReceivedMail {
  readonly envelopeFrom: string
  readonly envelopeTo: ReadonlyArray<string>
  /** Header values by lower-case name, unfolded and decoded. */
  readonly headers: ReadonlyMap<string, string>
  readonly subject: string
  readonly text: string
  readonly html: string
}

/** A running receiver. */
export interface SmtpReceiver {
  /** `smtp://` or `smtps://` URL of the receiver, with the credentials it requires. */
  readonly url: string
  /** Messages accepted, oldest first. */
  readonly mails: Array<ReceivedMail>
  /** Messages received and then refused with `refuseWith`, oldest first. */
  readonly refused: Array<ReceivedMail>
  /** The user names and passwords clients logged in with. */
  readonly logins: Array<{ readonly user: string; readonly pass: string }>
  /** When set, the next messages are refused at the end of DATA with this SMTP reply code. */
  refuseWith: number | undefined
  readonly close: () => Promise<void>
}

/** RFC 2047 encoded words (`=?utf-8?Q?...?=`, `=?utf-8?B?...?=`) decoded. */
const decodeWords = (value: string): string =>
  value.replace(/=\?[^?]+\?([QqBb])\?([^?]*)\?=\s*/g, (_, kind: string, text: string) =>
    kind.toUpperCase() === "B"
      ? Buffer.from(text, "base64").toString("utf8")
      : decodeQuotedPrintable(text.replace(/_/g, " ")))

/** Quoted-printable (soft line breaks and `=XX` bytes) decoded as UTF-8. */
const decodeQuotedPrintable = (text: string): string =>
  Buffer.from(
    text.replace(/=\r?\n/g, "").replace(
      /=([0-9A-Fa-f]{2})/g,
      (_, hex: string) => String.fromCharCode(parseInt(hex, 16))
    ),
    "latin1"
  ).toString("utf8")

/** A MIME entity split into its headers and its decoded body. */
const parseEntity = (raw: string): { readonly headers: Map<string, string>; readonly body: string } => {
  const split = raw.indexOf("\r\n\r\n")
  const head = split === -1 ? raw : raw.slice(0, split)
  const body = split === -1 ? "" : raw.slice(split + 4)
  const headers = new Map<string, string>()
  for (const line of head.replace(/\r\n[ \t]+/g, " ").split("\r\n")) {
    const colon = line.indexOf(":")
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), decodeWords(line.slice(colon + 1).trim()))
  }
  const encoding = (headers.get("content-transfer-encoding") ?? "7bit").toLowerCase()
  const decoded = encoding === "quoted-printable"
    ? decodeQuotedPrintable(body)
    : encoding === "base64"
    ? Buffer.from(body, "base64").toString("utf8")
    : body
  return { headers, body: decoded }
}

/** The text/plain and text/html parts of a message (single part or multipart, one level of nesting is enough here). */
const parseMail = (raw: string, envelopeFrom: string, envelopeTo: ReadonlyArray<string>): ReceivedMail => {
  const top = parseEntity(raw)
  const parts: Array<{ readonly headers: Map<string, string>; readonly body: string }> = []
  const collect = (entity: { readonly headers: Map<string, string>; readonly body: string }, rawBody: string) => {
    const type = entity.headers.get("content-type") ?? "text/plain"
    const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1]
    if (!type.toLowerCase().startsWith("multipart/") || boundary === undefined) return void parts.push(entity)
    for (const chunk of rawBody.split(`--${boundary}`).slice(1, -1)) {
      const part = chunk.replace(/^\r\n/, "").replace(/\r\n$/, "")
      const split = part.indexOf("\r\n\r\n")
      collect(parseEntity(part), split === -1 ? "" : part.slice(split + 4))
    }
  }
  const split = raw.indexOf("\r\n\r\n")
  collect(top, split === -1 ? "" : raw.slice(split + 4))
  const bodyOf = (type: string) =>
    parts.find((part) => (part.headers.get("content-type") ?? "text/plain").toLowerCase().startsWith(type))?.body ?? ""
  return {
    envelopeFrom,
    envelopeTo,
    headers: top.headers,
    subject: top.headers.get("subject") ?? "",
    text: bodyOf("text/plain"),
    html: bodyOf("text/html")
  }
}

/** Starts a receiver on a free loopback port; with `credentials`, clients must log in with them. */
export const startSmtpReceiver = async (
  options: { readonly secure?: boolean; readonly credentials?: { readonly user: string; readonly pass: string } } = {}
): Promise<SmtpReceiver> => {
  const receiver: Omit<SmtpReceiver, "url" | "close"> = { mails: [], refused: [], logins: [], refuseWith: undefined }
  const server = new SMTPServer({
    secure: options.secure ?? false,
    logger: false,
    closeTimeout: 1_000,
    disabledCommands: options.secure === true ? [] : ["STARTTLS"],
    authOptional: options.credentials === undefined,
    allowInsecureAuth: true,
    onAuth(auth, _session, callback) {
      const login = { user: auth.username ?? "", pass: auth.password ?? "" }
      receiver.logins.push(login)
      const ok = options.credentials !== undefined && login.user === options.credentials.user &&
        login.pass === options.credentials.pass
      callback(ok ? null : new Error("Invalid username or password"), ok ? { user: login.user } : undefined)
    },
    onData(stream, session, callback) {
      const chunks: Array<Buffer> = []
      stream.on("data", (chunk: Buffer) => chunks.push(chunk))
      stream.on("end", () => {
        const from = session.envelope.mailFrom === false ? "" : session.envelope.mailFrom.address
        const mail = parseMail(
          Buffer.concat(chunks).toString("utf8"),
          from,
          session.envelope.rcptTo.map((r) => r.address)
        )
        if (receiver.refuseWith !== undefined) {
          receiver.refused.push(mail)
          callback(Object.assign(new Error("Message refused by policy"), { responseCode: receiver.refuseWith }))
          return
        }
        receiver.mails.push(mail)
        callback()
      })
    }
  })
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => resolve())
  })
  const address = server.server.address()
  const port = typeof address === "object" && address !== null ? address.port : 0
  const auth = options.credentials === undefined
    ? ""
    : `${encodeURIComponent(options.credentials.user)}:${encodeURIComponent(options.credentials.pass)}@`
  // The built-in certificate is self-signed: the client is told not to check it.
  const url = options.secure === true
    ? `smtps://${auth}127.0.0.1:${port}/?tls.rejectUnauthorized=false`
    : `smtp://${auth}127.0.0.1:${port}`
  return Object.assign(receiver, { url, close: () => new Promise<void>((resolve) => server.close(() => resolve())) })
}

/** A TCP server that accepts connections and never says a word (an SMTP server that hangs); its port and `close`. */
export const startSilentServer = async (): Promise<{ readonly port: number; readonly close: () => Promise<void> }> => {
  const sockets = new Set<Socket>()
  const server = createServer((socket) => {
    sockets.add(socket)
    socket.on("close", () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()))
  const address = server.address()
  const port = typeof address === "object" && address !== null ? address.port : 0
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      })
  }
}
