import type { IncomingMessage } from 'node:http';
import { BotApiError, badRequest, Descriptions } from './errors.js';

/** An uploaded file part of a multipart/form-data request. */
export interface UploadedFile {
  filename: string;
  data: Buffer;
}

/** Raw call parameters: strings from forms and query strings, any JSON value from a JSON body, files. */
export type RawParams = Record<string, unknown>;

const MAX_BODY_BYTES = 60 * 1024 * 1024;

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY_BYTES) throw new BotApiError(413, 'Request Entity Too Large');
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

/**
 * Merges query-string parameters with the body (JSON, urlencoded or multipart), body winning — the same
 * inputs api.telegram.org accepts.
 */
export function parseParams(contentType: string | undefined, body: Buffer, query: URLSearchParams): RawParams {
  const params: RawParams = Object.fromEntries(query.entries());
  const type = (contentType ?? '').toLowerCase();
  if (body.length === 0) return params;
  if (type.startsWith('application/json')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      throw badRequest(Descriptions.cantParseJson);
    }
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) Object.assign(params, parsed);
    return params;
  }
  if (type.startsWith('application/x-www-form-urlencoded')) {
    Object.assign(params, Object.fromEntries(new URLSearchParams(body.toString('utf8')).entries()));
    return params;
  }
  if (type.startsWith('multipart/form-data')) {
    const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType ?? '');
    const value = boundary?.[1] ?? boundary?.[2];
    if (!value) throw badRequest('Bad Request: multipart boundary is missing');
    Object.assign(params, parseMultipart(body, value.trim()));
    return params;
  }
  return params;
}

/**
 * Minimal multipart/form-data parser: text fields become strings, parts with a filename become UploadedFile.
 * Header names are case-insensitive and the space after ':' is optional (grammY writes none).
 */
export function parseMultipart(body: Buffer, boundary: string): RawParams {
  const out: RawParams = {};
  const delimiter = Buffer.from(`--${boundary}`);
  let position = body.indexOf(delimiter);
  while (position !== -1) {
    let partStart = position + delimiter.length;
    if (body[partStart] === 0x2d && body[partStart + 1] === 0x2d) break; // closing "--boundary--"
    if (body[partStart] === 0x0d && body[partStart + 1] === 0x0a) partStart += 2;
    const next = body.indexOf(delimiter, partStart);
    if (next === -1) break;
    // The part ends with CRLF before the next delimiter.
    const partEnd = body[next - 2] === 0x0d && body[next - 1] === 0x0a ? next - 2 : next;
    const part = body.subarray(partStart, partEnd);
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd !== -1) {
      const headers = part.subarray(0, headerEnd).toString('utf8');
      const content = part.subarray(headerEnd + 4);
      const disposition = headers.split('\r\n').find((line) => /^content-disposition\s*:/i.test(line)) ?? '';
      const name = /\bname="([^"]*)"|\bname=([^;\s]+)/i.exec(disposition);
      const filename = /\bfilename="([^"]*)"|\bfilename=([^;\r\n]+)/i.exec(disposition);
      const fieldName = name?.[1] ?? name?.[2];
      if (fieldName !== undefined) {
        out[fieldName] = filename
          ? ({ filename: (filename[1] ?? filename[2] ?? '').trim(), data: Buffer.from(content) } satisfies UploadedFile)
          : content.toString('utf8');
      }
    }
    position = next;
  }
  return out;
}

export function isUploadedFile(value: unknown): value is UploadedFile {
  return typeof value === 'object' && value !== null && Buffer.isBuffer((value as UploadedFile).data);
}

// --- typed accessors: form fields arrive as strings, JSON bodies as typed values; accept both like Telegram.

export function optionalString(params: RawParams, key: string): string | undefined {
  const value = params[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

export function optionalNumber(params: RawParams, key: string): number | undefined {
  const value = params[key];
  if (value === undefined || value === null || value === '') return undefined;
  const num = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(num) ? num : undefined;
}

export function optionalBoolean(params: RawParams, key: string): boolean | undefined {
  const value = params[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'boolean') return value;
  return value === 'true' || value === '1' || value === 'True';
}

/** A JSON-serialized object field (reply_markup, reply_parameters, entities…), given as an object or a string. */
export function optionalJson<T>(params: RawParams, key: string, onInvalid: string): T | undefined {
  const value = params[key];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') return value as T;
  try {
    return JSON.parse(value) as T;
  } catch {
    throw badRequest(onInvalid);
  }
}
