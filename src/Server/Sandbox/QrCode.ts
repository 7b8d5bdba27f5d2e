/** QR codes of `otpauth://` URIs for the sandbox page, drawn as SVG by the `qrcode` package (loaded on first use). */
import * as Effect from "effect/Effect"

let loading: Promise<typeof import("qrcode")> | undefined

/** `text` as a QR code, an SVG document. */
export const qrSvg = (text: string): Effect.Effect<string> =>
  Effect.promise(async () => {
    loading ??= import("qrcode")
    return (await loading).toString(text, { type: "svg", margin: 1, errorCorrectionLevel: "M" })
  })
