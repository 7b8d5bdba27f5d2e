/** The part of autocannon's API the load worker uses (the package ships no types). */
declare module "autocannon" {
  interface Histogram {
    readonly average: number
    readonly p50: number
    readonly p99: number
  }
  interface Result {
    readonly duration: number
    readonly non2xx: number
    readonly errors: number
    readonly latency: Histogram
    readonly requests: Histogram
    readonly "2xx": number
  }
  interface Options {
    readonly url: string | ReadonlyArray<string>
    readonly method?: string
    readonly headers?: Record<string, string>
    readonly connections?: number
    readonly duration?: number
    readonly requests?: ReadonlyArray<
      {
        readonly body?: string
        readonly method?: string
        readonly path?: string
        readonly headers?: Record<string, string>
      }
    >
    readonly body?: string
  }
  function autocannon(options: Options): Promise<Result>
  export default autocannon
}
