import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import pLimit, { type LimitFunction } from 'p-limit';
import { ConnectionLostError } from './errors.js';

/*
 * The SMB2 protocol client is `@tryjsky/v9u-smb2`: it authenticates with NTLMv2 (stock Samba and
 * Windows accept it), and its NTLM code hashes with the pure-JS `js-md4`, so Node needs no legacy
 * OpenSSL provider. Its connection handling is thin: it never answers requests in flight when the
 * socket closes, cannot reconnect, and races when two calls connect at once. This module owns the
 * connection instead: it connects once, bounds the requests in flight, fails them when the socket
 * goes away, and opens a fresh client for the next call.
 */
const require = createRequire(import.meta.url);

type Callback<T> = (error: Error | null | undefined, value?: T) => void;

/** The parts of a v9u-smb2 client this package uses (it ships no types for its internals). */
export interface Smb2Client {
  socket: Socket;
  connected: boolean;
  disconnect(): void;
  exists(path: string, cb: Callback<boolean>): void;
  writeFile(path: string, data: Buffer, options: { flag: string }, cb: Callback<void>): void;
  rename(from: string, to: string, options: { replace: boolean }, cb: Callback<void>): void;
  unlink(path: string, cb: Callback<void>): void;
  mkdir(path: string, cb: Callback<void>): void;
}

interface Smb2Constructor {
  new (options: {
    share: string;
    port: number;
    domain: string;
    username: string;
    password: string;
    autoCloseTimeout: number;
  }): Smb2Client;
}

/** One raw SMB2 request (CREATE, READ, QUERY_DIRECTORY, CLOSE, ...) on a connected client. */
type Forge = {
  request(message: string, params: object, client: Smb2Client, cb: Callback<unknown>): void;
};

const Smb2 = require('@tryjsky/v9u-smb2') as Smb2Constructor;
const forge = require('@tryjsky/v9u-smb2/lib/tools/smb2-forge.js') as Forge;

/** What the client's response dispatcher keeps per connection, keyed by message id in hex. */
interface Dispatch {
  responses: Record<string, unknown>;
  responsesCB: Record<string, (response: unknown) => void>;
}

interface ResponseMessage {
  getHeaders(): { Status: Buffer; MessageId: Buffer };
}

const STATUS_PENDING = 0x00000103;
const MESSAGES = [
  'close',
  'create',
  'create_folder',
  'open',
  'open_folder',
  'query_directory',
  'read',
  'set_info',
  'write',
];

/*
 * A server may answer a slow request (an open that waits for another client's oplock, a write to a
 * busy disk) first with an interim STATUS_PENDING and later with the real answer under the same
 * message id (MS-SMB2 3.3.4.2). The client would report the interim answer as a failure and drop
 * the real one, so every message's response handler is wrapped to wait for the final answer.
 */
for (const name of MESSAGES) {
  const message = require(`@tryjsky/v9u-smb2/lib/messages/${name}.js`) as {
    parse: (connection: Dispatch, cb: unknown, error: unknown) => (response: ResponseMessage) => void;
  };
  const parse = message.parse;
  message.parse = function waitingForFinalAnswer(connection, cb, error) {
    const handle = parse.call(this, connection, cb, error);
    const wrapped = (response: ResponseMessage) => {
      const headers = response.getHeaders();
      if (headers.Status.readUInt32LE(0) !== STATUS_PENDING) return handle(response);
      const id = headers.MessageId.toString('hex');
      // The dispatcher deletes this handler right after this call returns; register it again after.
      queueMicrotask(() => {
        const early = connection.responses[id];
        if (early === undefined) connection.responsesCB[id] = wrapped as (response: unknown) => void;
        else {
          delete connection.responses[id];
          wrapped(early as ResponseMessage);
        }
      });
    };
    return wrapped;
  };
}

export interface SmbConnectionOptions {
  host: string;
  port: number;
  share: string;
  domain: string;
  username: string;
  password: string;
  /** Requests in flight at once on the connection. */
  maxInFlight: number;
  /** A request that gets no answer in this time fails, and the connection is dropped. */
  timeoutMs: number;
}

/** A lazily opened, shared SMB2 session with a bound on the requests in flight. */
export class SmbConnection {
  readonly #options: SmbConnectionOptions;
  readonly #limit: LimitFunction;
  #client: Smb2Client | undefined;
  #connecting: Promise<Smb2Client> | undefined;
  /** Per client, how to fail each call waiting for an answer: used when its socket closes. */
  readonly #waiting = new Map<Smb2Client, Set<(error: Error) => void>>();
  /** Clients whose socket is gone: a call that picked one up just before fails at once. */
  readonly #dead = new WeakSet<Smb2Client>();
  #closed = false;

  constructor(options: SmbConnectionOptions) {
    this.#options = options;
    this.#limit = pLimit(options.maxInFlight);
  }

  /** Sends one raw SMB2 message and resolves with the parsed response. */
  request<T>(message: string, params: object): Promise<T> {
    return this.call<T>((client, cb) => forge.request(message, params, client, cb as Callback<unknown>));
  }

  /** Runs one callback-style client call under the in-flight bound; fails if the connection drops. */
  call<T>(run: (client: Smb2Client, cb: Callback<T>) => void): Promise<T> {
    return this.#limit(async () => {
      const client = await this.#connected();
      return this.#settle(client, run);
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#drop(this.#client, new ConnectionLostError('the source was closed'));
  }

  #settle<T>(client: Smb2Client, run: (client: Smb2Client, cb: Callback<T>) => void): Promise<T> {
    if (this.#dead.has(client))
      return Promise.reject(new ConnectionLostError('the connection to the server was lost'));
    const pending = this.#waiting.get(client) ?? new Set<(error: Error) => void>();
    this.#waiting.set(client, pending);
    return new Promise<T>((resolve, reject) => {
      let done = false;
      const finish = (error: Error | null | undefined, value?: T) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        pending.delete(fail);
        if (pending.size === 0) client.socket.unref();
        if (error) reject(error);
        else resolve(value as T);
      };
      const fail = (error: Error) => finish(error);
      const timer = setTimeout(() => {
        const error = new ConnectionLostError(`no answer from the server in ${this.#options.timeoutMs} ms`);
        this.#drop(client, error);
        finish(error);
      }, this.#options.timeoutMs);
      pending.add(fail);
      // The socket keeps the process alive only while a request waits for its answer.
      client.socket.ref();
      try {
        run(client, finish);
      } catch (error) {
        finish(error as Error);
      }
    });
  }

  #connected(): Promise<Smb2Client> {
    if (this.#closed) return Promise.reject(new ConnectionLostError('the source was closed'));
    if (this.#client) return Promise.resolve(this.#client);
    this.#connecting ??= this.#connect().finally(() => {
      this.#connecting = undefined;
    });
    return this.#connecting;
  }

  async #connect(): Promise<Smb2Client> {
    const { host, port, share, domain, username, password } = this.#options;
    const client = new Smb2({
      share: `\\\\${host}\\${share}`,
      port,
      domain,
      username,
      password,
      autoCloseTimeout: 0,
    });
    client.socket.on('close', () => {
      this.#drop(client, new ConnectionLostError(`the connection to ${host}:${port} was closed`));
    });
    try {
      // Any call makes the client negotiate, authenticate and connect the share; this one is cheap.
      await this.#settle<boolean>(client, (c, cb) => c.exists('', cb));
    } catch (error) {
      client.socket.destroy();
      throw error;
    }
    if (this.#closed) {
      client.socket.destroy();
      throw new ConnectionLostError('the source was closed');
    }
    this.#client = client;
    return client;
  }

  /** Forgets `client` (if current), closes its socket and fails everything still waiting on it. */
  #drop(client: Smb2Client | undefined, error: Error): void {
    if (!client) return;
    if (this.#client === client) this.#client = undefined;
    this.#dead.add(client);
    client.connected = false;
    client.socket.destroy();
    const pending = this.#waiting.get(client);
    this.#waiting.delete(client);
    for (const fail of pending ?? []) fail(error);
  }
}
