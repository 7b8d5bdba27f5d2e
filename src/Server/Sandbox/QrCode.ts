/** QR codes of `otpauth://` URIs for the sandbox page, drawn as SVG by the `qrcode` package (loaded on first use). */
import * as Effect from "effect/Effect"

let loading: Promise<typeof import("qrcode")> | undefined

/** `text` as a QR code, an SVG document. */
export const qrSvg = (text: string): Effect.Effect<string> =>
  Effect.promise(async () => {
    loading ??= import("qrcode")
    // A CommonJS package: its `module.exports` is `default` both under Node's loader and in dist/bundle/
    // (where the namespace has no `toString` of its own).
    const loaded = (await loading) as typeof import("qrcode") & { readonly default?: typeof import("qrcode") }
    const qrcode = loaded.default ?? loaded
    return qrcode.toString(text, { type: "svg", margin: 1, errorCorrectionLevel: "M" })
  })
