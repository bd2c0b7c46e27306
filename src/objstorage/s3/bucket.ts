/**
 * The S3 calls of the S3 content store, on the AWS SDK's client: whole objects put and got,
 * byte ranges, streamed uploads (multipart past a part size), listing by prefix, deletion. Any
 * S3-compatible server answers them (Ceph's RADOS Gateway, MinIO, AWS). The credentials are
 * given to the client and never appear in a message: errors name the bucket and the key only.
 *
 * @module
 */

import type { Readable } from 'node:stream'

// The SDK is loaded on first use (a bucket made): it is most of the CLI's start-up time, and
// archives on the pack or file store never need it.
import type * as S3Sdk from '@aws-sdk/client-s3'
import type { S3Client } from '@aws-sdk/client-s3'

import { UnavailableError } from '../../errors.js'

/** Where the store's bucket is, and how to sign in (`ARCA_S3_*`, `AWS_*`). */
export interface S3Location {
  /** `http(s)://host:port` of the S3 server (AWS's regional endpoint when absent). */
  readonly endpoint?: string
  readonly bucket: string
  /** Key prefix of every object of this store (e.g. `arca/`; default none). */
  readonly prefix?: string
  readonly region?: string
  /** Credentials; absent: the SDK's chain (`AWS_ACCESS_KEY_ID`, profiles, instance roles). */
  readonly accessKeyId?: string
  readonly secretAccessKey?: string
}

/** One object of a listing. */
export interface ListedObject {
  readonly key: string
  readonly size: number
}

const isMissing = (e: unknown): boolean => {
  const err = e as { name?: string; $metadata?: { httpStatusCode?: number } }
  return (
    err.name === 'NoSuchKey' || err.name === 'NotFound' || err.$metadata?.httpStatusCode === 404
  )
}

/** A bucket, its keys relative to the store's prefix. */
export class Bucket {
  readonly #sdk: Promise<{ sdk: typeof S3Sdk; client: S3Client }>
  readonly #bucket: string
  readonly #prefix: string

  constructor(location: S3Location) {
    this.#bucket = location.bucket
    this.#prefix = location.prefix ?? ''
    this.#sdk = import('@aws-sdk/client-s3').then((sdk) => ({
      sdk,
      client: new sdk.S3Client({
        region: location.region ?? 'us-east-1',
        forcePathStyle: true,
        maxAttempts: 5,
        ...(location.endpoint ? { endpoint: location.endpoint } : {}),
        ...(location.accessKeyId && location.secretAccessKey
          ? {
              credentials: {
                accessKeyId: location.accessKeyId,
                secretAccessKey: location.secretAccessKey,
              },
            }
          : {}),
      }),
    }))
    this.#sdk.catch(() => undefined) // reported by the first call
  }

  /** `s3://bucket/prefix`, for messages (never credentials). */
  get name(): string {
    return `s3://${this.#bucket}/${this.#prefix}`
  }

  #fail(what: string, key: string, e: unknown): UnavailableError {
    const err = e as { name?: string; message?: string }
    return new UnavailableError(
      `S3 ${what} of ${this.name}${key} failed: ${err.name ?? 'Error'}: ${err.message ?? String(e)}`,
    )
  }

  /** Creates the bucket unless it exists. */
  async ensure(): Promise<void> {
    const { sdk, client } = await this.#sdk
    try {
      await client.send(new sdk.HeadBucketCommand({ Bucket: this.#bucket }))
      return
    } catch (e) {
      if (!isMissing(e)) throw this.#fail('HEAD bucket', '', e)
    }
    try {
      await client.send(new sdk.CreateBucketCommand({ Bucket: this.#bucket }))
    } catch (e) {
      const name = (e as { name?: string }).name
      if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists')
        throw this.#fail('CREATE bucket', '', e)
    }
  }

  /** Stores `body` under `key`; S3 makes it visible whole or not at all. */
  async put(key: string, body: Uint8Array, signal?: AbortSignal): Promise<void> {
    const { sdk, client } = await this.#sdk
    try {
      await client.send(
        new sdk.PutObjectCommand({ Bucket: this.#bucket, Key: this.#prefix + key, Body: body }),
        signal ? { abortSignal: signal } : {},
      )
    } catch (e) {
      throw this.#fail('PUT', key, e)
    }
  }

  /** Stores a stream under `key` (multipart past 8 MiB, a few parts in flight). */
  async putStream(key: string, body: Readable, signal?: AbortSignal): Promise<void> {
    const [{ client }, { Upload }] = await Promise.all([this.#sdk, import('@aws-sdk/lib-storage')])
    const upload = new Upload({
      client,
      params: { Bucket: this.#bucket, Key: this.#prefix + key, Body: body },
      partSize: 8 << 20,
      queueSize: 2,
      leavePartsOnError: false,
    })
    const abort = () => void upload.abort()
    signal?.addEventListener('abort', abort, { once: true })
    try {
      await upload.done()
    } catch (e) {
      throw this.#fail('upload', key, e)
    } finally {
      signal?.removeEventListener('abort', abort)
    }
  }

  /** The bytes `[start, end)` of `key` (all of it without a range); null when absent. */
  async get(
    key: string,
    range?: { start: number; end: number },
    signal?: AbortSignal,
  ): Promise<Uint8Array | null> {
    const stream = await this.getStream(key, range, signal)
    if (stream === null) return null
    const parts: Buffer[] = []
    try {
      for await (const c of stream) parts.push(c as Buffer)
    } catch (e) {
      throw this.#fail('GET', key, e)
    }
    return Buffer.concat(parts)
  }

  /** A stream of the bytes `[start, end)` of `key`; null when absent. */
  async getStream(
    key: string,
    range?: { start: number; end: number },
    signal?: AbortSignal,
  ): Promise<Readable | null> {
    if (range && range.end <= range.start) {
      const { Readable } = await import('node:stream')
      return Readable.from([])
    }
    const { sdk, client } = await this.#sdk
    try {
      const res = await client.send(
        new sdk.GetObjectCommand({
          Bucket: this.#bucket,
          Key: this.#prefix + key,
          ...(range ? { Range: `bytes=${range.start}-${range.end - 1}` } : {}),
        }),
        signal ? { abortSignal: signal } : {},
      )
      return res.Body as Readable
    } catch (e) {
      if (isMissing(e)) return null
      throw this.#fail('GET', key, e)
    }
  }

  /** Every object whose key starts with `prefix` (relative), in key order. */
  async *list(prefix: string, signal?: AbortSignal): AsyncIterable<ListedObject> {
    const { sdk, client } = await this.#sdk
    let token: string | undefined
    do {
      let res
      try {
        res = await client.send(
          new sdk.ListObjectsV2Command({
            Bucket: this.#bucket,
            Prefix: this.#prefix + prefix,
            ...(token ? { ContinuationToken: token } : {}),
          }),
          signal ? { abortSignal: signal } : {},
        )
      } catch (e) {
        throw this.#fail('LIST', prefix, e)
      }
      for (const o of res.Contents ?? [])
        if (o.Key) yield { key: o.Key.slice(this.#prefix.length), size: o.Size ?? 0 }
      token = res.IsTruncated ? res.NextContinuationToken : undefined
    } while (token)
  }

  /** Deletes `key` (absent keys included). */
  async delete(key: string, signal?: AbortSignal): Promise<void> {
    const { sdk, client } = await this.#sdk
    try {
      await client.send(
        new sdk.DeleteObjectCommand({ Bucket: this.#bucket, Key: this.#prefix + key }),
        signal ? { abortSignal: signal } : {},
      )
    } catch (e) {
      if (!isMissing(e)) throw this.#fail('DELETE', key, e)
    }
  }

  close(): void {
    void this.#sdk.then(
      ({ client }) => client.destroy(),
      () => undefined,
    )
  }
}
