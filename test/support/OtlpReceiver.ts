/**
 * A local OTLP/HTTP traces receiver (node:http) for tests: accepts `POST /v1/traces` in either
 * encoding the spec allows (`application/json`, or `application/x-protobuf`, decoded here from the
 * wire format of opentelemetry-proto's trace.proto) and keeps every raw body and every decoded span.
 */
import { createServer } from "node:http"

/** A span as the receiver decoded it; ids in lower-case hex, attribute values as plain values. */
export interface ReceivedSpan {
  readonly traceId: string
  readonly spanId: string
  readonly parentSpanId: string
  readonly name: string
  readonly kind: number
  readonly attributes: Record<string, unknown>
  /** The service of the resource the span came with. */
  readonly serviceName: unknown
}

/** A running receiver. */
export interface OtlpReceiver {
  /** Base URL, for `OTEL_EXPORTER_OTLP_ENDPOINT`. */
  readonly url: string
  readonly spans: Array<ReceivedSpan>
  /** Every body received, as text (protobuf bodies as latin1: their strings stay readable), with its content type. */
  readonly bodies: Array<{ readonly contentType: string; readonly text: string }>
  readonly close: () => Promise<void>
}

/** One protobuf field: its number and either a varint / fixed value or the bytes of a length-delimited one. */
interface Field {
  readonly number: number
  readonly value: bigint | Uint8Array
}

/** The fields of a protobuf message (wire types 0, 1, 2 and 5). */
const fields = (bytes: Uint8Array): Array<Field> => {
  const out: Array<Field> = []
  let at = 0
  const varint = (): bigint => {
    let result = 0n
    let shift = 0n
    for (;;) {
      const byte = bytes[at++]!
      result |= BigInt(byte & 0x7f) << shift
      if ((byte & 0x80) === 0) return result
      shift += 7n
    }
  }
  while (at < bytes.length) {
    const key = Number(varint())
    const number = key >>> 3
    switch (key & 7) {
      case 0:
        out.push({ number, value: varint() })
        break
      case 1:
        out.push({ number, value: new DataView(bytes.buffer, bytes.byteOffset + at, 8).getBigUint64(0, true) })
        at += 8
        break
      case 2: {
        const length = Number(varint())
        out.push({ number, value: bytes.subarray(at, at + length) })
        at += length
        break
      }
      case 5:
        out.push({ number, value: BigInt(new DataView(bytes.buffer, bytes.byteOffset + at, 4).getUint32(0, true)) })
        at += 4
        break
      default:
        throw new Error(`unsupported protobuf wire type ${key & 7}`)
    }
  }
  return out
}

const bytesOf = (
  field: Field | undefined
): Uint8Array => (field?.value instanceof Uint8Array ? field.value : new Uint8Array())
const text = (field: Field | undefined): string => Buffer.from(bytesOf(field)).toString("utf8")
const hex = (field: Field | undefined): string => Buffer.from(bytesOf(field)).toString("hex")
const all = (message: Uint8Array, number: number) => fields(message).filter((f) => f.number === number)
const one = (message: Uint8Array, number: number) => fields(message).find((f) => f.number === number)

/** `AnyValue`: string 1, bool 2, int 3, double 4 (arrays and maps as their raw text). */
const anyValue = (message: Uint8Array): unknown => {
  const field = fields(message)[0]
  if (field === undefined) return undefined
  switch (field.number) {
    case 1:
      return text(field)
    case 2:
      return field.value === 1n
    case 3:
      return Number(field.value)
    case 4: {
      const view = new DataView(new ArrayBuffer(8))
      view.setBigUint64(0, field.value as bigint, true)
      return view.getFloat64(0, true)
    }
    default:
      return Buffer.from(bytesOf(field)).toString("latin1")
  }
}

/** `repeated KeyValue` (key 1, value 2) at field `number` of `message`, as a record. */
const keyValues = (message: Uint8Array, number: number): Record<string, unknown> =>
  Object.fromEntries(
    all(message, number).map((kv) => [text(one(bytesOf(kv), 1)), anyValue(bytesOf(one(bytesOf(kv), 2)))])
  )

/** An `ExportTraceServiceRequest` in protobuf: resource_spans 1 { resource 1 { attributes 1 }, scope_spans 2 { spans 2 } }. */
const decodeProtobuf = (body: Uint8Array): Array<ReceivedSpan> =>
  all(body, 1).flatMap((resourceSpans) => {
    const serviceName = keyValues(bytesOf(one(bytesOf(resourceSpans), 1)), 1)["service.name"]
    return all(bytesOf(resourceSpans), 2).flatMap((scopeSpans) =>
      all(bytesOf(scopeSpans), 2).map((field) => {
        const span = bytesOf(field)
        return {
          traceId: hex(one(span, 1)),
          spanId: hex(one(span, 2)),
          parentSpanId: hex(one(span, 4)),
          name: text(one(span, 5)),
          kind: Number(one(span, 6)?.value ?? 0n),
          attributes: keyValues(span, 9),
          serviceName
        }
      })
    )
  })

/** OTLP/JSON's `AnyValue`. */
const jsonValue = (value: Record<string, unknown>): unknown =>
  value["stringValue"] ?? value["boolValue"] ??
    (value["intValue"] !== undefined ? Number(value["intValue"]) : value["doubleValue"])

const jsonAttributes = (list: ReadonlyArray<{ key: string; value: Record<string, unknown> }> | undefined) =>
  Object.fromEntries((list ?? []).map((kv) => [kv.key, jsonValue(kv.value)]))

/** An `ExportTraceServiceRequest` in OTLP/JSON (ids in hex, as the JSON encoding says). */
const decodeJson = (body: string): Array<ReceivedSpan> =>
  (JSON.parse(body) as { resourceSpans: Array<any> }).resourceSpans.flatMap((resourceSpans) => {
    const serviceName = jsonAttributes(resourceSpans.resource?.attributes)["service.name"]
    return (resourceSpans.scopeSpans as Array<any>).flatMap((scopeSpans) =>
      (scopeSpans.spans as Array<any>).map((span) => ({
        traceId: String(span.traceId).toLowerCase(),
        spanId: String(span.spanId).toLowerCase(),
        parentSpanId: String(span.parentSpanId ?? "").toLowerCase(),
        name: span.name,
        kind: span.kind,
        attributes: jsonAttributes(span.attributes),
        serviceName
      }))
    )
  })

/** Starts a receiver on a free loopback port. */
export const startOtlpReceiver = async (): Promise<OtlpReceiver> => {
  const spans: Array<ReceivedSpan> = []
  const bodies: Array<{ contentType: string; text: string }> = []
  const server = createServer((request, response) => {
    const chunks: Array<Buffer> = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    request.on("end", () => {
      const body = Buffer.concat(chunks)
      const contentType = request.headers["content-type"] ?? ""
      if (request.method !== "POST" || request.url !== "/v1/traces") {
        response.writeHead(404).end()
        return
      }
      bodies.push({ contentType, text: body.toString(contentType.includes("json") ? "utf8" : "latin1") })
      for (const span of contentType.includes("json") ? decodeJson(body.toString("utf8")) : decodeProtobuf(body)) {
        spans.push(span)
      }
      response.writeHead(200, { "content-type": contentType }).end(contentType.includes("json") ? "{}" : undefined)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const address = server.address()
  const port = typeof address === "object" && address !== null ? address.port : 0
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    bodies,
    close: () => new Promise<void>((resolve) => server.close(() => resolve()))
  }
}
