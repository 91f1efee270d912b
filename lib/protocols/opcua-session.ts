// One OPC UA client and session per endpoint, shared by every node that uses the endpoint.
// Reconnection is owned here rather than left to node-opcua: after a loss the whole client is
// thrown away and rebuilt, and listeners (subscriptions) re-create their state on the fresh
// session. node-opcua's own reconnect tries to transfer subscriptions, which does not survive a
// server restart or an outage longer than the subscription lifetime.
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  MessageSecurityMode,
  OPCUAClient,
  SecurityPolicy,
  UserTokenType,
  type ClientSession,
  type UserIdentityInfo,
} from 'node-opcua-client';
import { DEFAULT_BACKOFF, backoffDelay, type BackoffOptions } from './opcua-backoff';
import { isUnencrypted, redact, type OpcuaEndpointOptions } from './opcua-options';
import { chooseSecurity, describeOffered, holdSecurity, type SecurityChoice } from './opcua-security-choice';
import { oneStoreStartAtATime } from './pki-start-lock';
import { REAL_TIMERS, type Timers } from './timers';
import { within } from './within';

export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'error' | 'closed';

export interface ConnectionStateEvent {
  state: ConnectionState;
  /** Reconnect attempt number, 0 while the first connection is being made. */
  attempt: number;
  /** Human text for status and logs (never holds a password). */
  message: string;
  /** Set when state is 'error'. */
  error?: string;
  /** Delay until the next attempt, when one is scheduled. */
  retryInMs?: number;
  unencrypted: boolean;
  /** Mode/policy in use once connected, e.g. 'SignAndEncrypt/Basic256Sha256' or 'None'. */
  security?: string;
}

export interface OpcuaConnectionTuning {
  backoff?: BackoffOptions;
  /** Bound on one connect + create-session attempt. */
  connectTimeoutMs?: number;
  /** Wait after the server rejected the credentials: retrying fast would only lock the account. */
  authRetryMs?: number;
  /** Session keep-alive read interval: how fast a silent (not closed) connection is noticed. */
  keepAliveMs?: number;
  log?: (level: 'info' | 'warn' | 'error', text: string) => void;
  /** Timers for the retry schedule (tests pass a simulated clock to replay hour-long outages). */
  timers?: Timers;
}

type CertificateManager = {
  initialize(): Promise<void>;
  dispose(): Promise<void>;
  referenceCounter?: number;
};

// node-opcua-certificate-manager is a dependency of node-opcua-client: load the copy it uses.
function loadCertificateManager(): new (options: Record<string, unknown>) => CertificateManager {
  const clientDir = dirname(require.resolve('node-opcua-client/package.json'));
  const path = require.resolve('node-opcua-certificate-manager', { paths: [clientDir] });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(path).OPCUACertificateManager;
}

function pemToDer(pem: string): Buffer {
  const m = /-----BEGIN CERTIFICATE-----([\s\S]+?)-----END CERTIFICATE-----/.exec(pem);
  if (!m) throw new Error('the user certificate file holds no PEM certificate');
  return Buffer.from(m[1].replace(/\s+/g, ''), 'base64');
}

function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

const AUTH_FAILURE = /BadUserAccessDenied|BadIdentityTokenRejected|BadIdentityTokenInvalid|BadUserSignatureInvalid|BadIdentity/;

/** Turns node-opcua's error text into a line a technician can act on. */
export function explainConnectError(raw: string, url: string): string {
  const text = raw.split('\n')[0].trim();
  if (AUTH_FAILURE.test(raw)) return `the server rejected the credentials (${AUTH_FAILURE.exec(raw)![0]}): check user name and password`;
  if (/ECONNREFUSED/.test(raw)) return `nothing listens at ${url} (connection refused)`;
  if (/ENOTFOUND|EAI_AGAIN/.test(raw)) return `host of ${url} not found (DNS)`;
  if (/EHOSTUNREACH|ENETUNREACH/.test(raw)) return `host of ${url} is unreachable`;
  if (/timed out|timeout/i.test(raw)) return `no answer from ${url} (timeout)`;
  if (/BadSecurityPolicyRejected|BadSecurityModeRejected|Cannot find an Endpoint matching|endpoint/i.test(raw) && /security|endpoint/i.test(raw))
    return `the server offers no endpoint with this security mode and policy: ${text}`;
  if (/BadCertificate|BadSecurityChecksFailed/.test(raw)) return `certificate rejected: ${text} (trust the client certificate on the server)`;
  return text;
}

export class OpcuaConnection extends EventEmitter {
  private stateEvent: ConnectionStateEvent;
  private client: OPCUAClient | undefined;
  private currentSession: ClientSession | undefined;
  private certificateManager: CertificateManager | undefined;
  private timer: unknown;
  private attempt = 0;
  private generation = 0;
  private started = false;
  private closed = false;
  private lastError: string | undefined;
  /** The mode and policy of the live (or last) connection; for 'auto', what discovery picked. */
  private security: SecurityChoice | undefined;
  private warnedUnencrypted = false;
  private readonly pending = new Set<Promise<unknown>>();
  private readonly backoff: BackoffOptions;
  private readonly connectTimeoutMs: number;
  private readonly authRetryMs: number;
  private readonly keepAliveMs: number;
  private readonly timers: Timers;
  /** How long establishing the channel took when it last worked (see channelBoundMs). */
  private lastChannelMs: number | undefined;
  /** Channel attempts in a row that ran out of time (see channelBoundMs). */
  private channelTimeouts = 0;
  /** For 'auto': the strongest security a session of this connection had; nothing weaker is taken after. */
  private strongest: SecurityChoice | undefined;
  /** Sessions ever created, for diagnostics and leak tests. */
  sessionsCreated = 0;

  constructor(
    readonly options: OpcuaEndpointOptions,
    private readonly tuning: OpcuaConnectionTuning = {},
  ) {
    super();
    this.backoff = tuning.backoff ?? DEFAULT_BACKOFF;
    this.connectTimeoutMs = tuning.connectTimeoutMs ?? 10_000;
    this.authRetryMs = tuning.authRetryMs ?? 15_000;
    this.keepAliveMs = tuning.keepAliveMs ?? 2_000;
    this.timers = tuning.timers ?? REAL_TIMERS;
    this.stateEvent = { state: 'idle', attempt: 0, message: 'idle', unencrypted: this.unencrypted };
  }

  get state(): ConnectionStateEvent {
    return this.stateEvent;
  }

  get session(): ClientSession | undefined {
    return this.currentSession;
  }

  /** True when connected (or set up) without encryption; unknown, so false, for 'auto' before it connects. */
  get unencrypted(): boolean {
    const mode = this.security?.mode ?? (this.options.securityMode === 'auto' ? 'SignAndEncrypt' : this.options.securityMode);
    return isUnencrypted({ securityMode: mode });
  }

  /**
   * Bound on establishing the channel (TCP, Hello, secure channel). Until one worked, the connect
   * timeout (a first connect may even create the client certificate); after that 3x what it took, at
   * least 3 s, so an attempt swallowed by a dead link is given up early and the next one finds the
   * server within a few seconds of its return, not after the full connect timeout. From the second
   * timeout in a row the bound doubles per timeout, up to the connect timeout: a link or server that
   * became slower than the short bound (high latency, a PLC busy after its restart) is still reached.
   */
  private get channelBoundMs(): number {
    if (this.lastChannelMs === undefined) return this.connectTimeoutMs;
    const short = Math.max(3000, 3 * this.lastChannelMs);
    const widened = short * 2 ** Math.max(0, this.channelTimeouts - 1);
    return Math.min(this.connectTimeoutMs, widened);
  }

  /** Starts connecting (once); reconnects forever until close(). */
  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    this.schedule(0);
  }

  /** Resolves with the live session, or rejects with the current problem after timeoutMs. */
  ready(timeoutMs = 5000): Promise<ClientSession> {
    if (this.currentSession) return Promise.resolve(this.currentSession);
    if (this.closed) return Promise.reject(new Error('OPC UA endpoint is closed'));
    return new Promise((resolve, reject) => {
      const onSession = (s: ClientSession) => {
        clearTimeout(timer);
        resolve(s);
      };
      const timer = setTimeout(() => {
        this.off('session', onSession);
        const why = this.lastError ? `: ${this.lastError}` : '';
        reject(new Error(`not connected to ${this.options.endpointUrl} (${this.stateEvent.message})${why}`));
      }, timeoutMs);
      this.once('session', onSession);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.generation++;
    if (this.timer) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    const client = this.client;
    const hadSession = this.currentSession !== undefined;
    this.client = undefined;
    this.currentSession = undefined;
    if (hadSession) this.emit('session_lost', 'closed');
    await this.dispose(client);
    // In-flight attempts see the bumped generation and dispose their own client.
    await Promise.allSettled([...this.pending]);
    const certificates = this.certificateManager;
    this.certificateManager = undefined;
    if (certificates) {
      // node-opcua counts each client made with the store and skips the release when disconnecting
      // a client that never connected: this connection owns the store, so it ends it whatever the count.
      certificates.referenceCounter = 0;
      await certificates.dispose().catch(() => undefined);
    }
    this.setState({ state: 'closed', attempt: 0, message: 'closed' });
  }

  private log(level: 'info' | 'warn' | 'error', text: string): void {
    this.tuning.log?.(level, this.redact(text));
  }

  private redact(text: string): string {
    const auth = this.options.auth;
    return redact(text, auth.type === 'username' ? [auth.password] : []);
  }

  private setState(partial: Omit<ConnectionStateEvent, 'unencrypted' | 'security'>): void {
    this.stateEvent = { ...partial, message: this.redact(partial.message), error: partial.error && this.redact(partial.error), unencrypted: this.unencrypted };
    if (partial.state === 'connected' && this.security) this.stateEvent.security = securityText(this.security);
    this.emit('state', this.stateEvent);
  }

  private schedule(delayMs: number): void {
    if (this.closed) return;
    if (this.timer) this.timers.clearTimeout(this.timer);
    this.timer = this.timers.setTimeout(() => {
      this.timer = undefined;
      const attempt = this.connectOnce();
      this.pending.add(attempt);
      attempt.finally(() => this.pending.delete(attempt)).catch(() => undefined);
    }, delayMs);
  }

  private async certificates(): Promise<CertificateManager> {
    if (!this.certificateManager) {
      const Manager = loadCertificateManager();
      const manager = new Manager({ rootFolder: this.options.pkiDir, automaticallyAcceptUnknownCertificate: this.options.acceptUnknownServerCertificate !== false });
      await oneStoreStartAtATime(() => manager.initialize());
      this.certificateManager = manager;
    }
    return this.certificateManager;
  }

  private identity(): UserIdentityInfo {
    const auth = this.options.auth;
    if (auth.type === 'username') return { type: UserTokenType.UserName, userName: auth.userName, password: auth.password };
    if (auth.type === 'certificate') {
      let certificateData: Buffer;
      let privateKey: string;
      try {
        certificateData = pemToDer(readFileSync(auth.certificateFile, 'utf8'));
        privateKey = readFileSync(auth.privateKeyFile, 'utf8');
      } catch (err) {
        throw new Error(`cannot read the X.509 user certificate or key: ${errorMessage(err)}`);
      }
      return { type: UserTokenType.Certificate, certificateData, privateKey };
    }
    return { type: UserTokenType.Anonymous };
  }

  private async connectOnce(): Promise<void> {
    const gen = ++this.generation;
    const url = this.options.endpointUrl;
    this.setState(
      this.attempt === 0
        ? { state: 'connecting', attempt: 0, message: `connecting to ${url}` }
        : { state: 'reconnecting', attempt: this.attempt, message: `reconnecting (attempt ${this.attempt})` },
    );
    let client: OPCUAClient | undefined;
    const startedAt = Date.now();
    try {
      const certificateManager = await this.certificates();
      const security = this.options.securityMode === 'auto' ? await this.discoverSecurity(gen, url, certificateManager) : { mode: this.options.securityMode, policy: this.options.securityPolicy };
      client = this.createClient(certificateManager, security);
      this.client = client;
      const lost = (why: string) => () => this.onLost(gen, why);
      client.on('connection_lost', lost('connection lost'));
      client.on('start_reconnection', lost('connection lost'));
      client.on('close', lost('connection closed'));
      // An 'error' event without a listener would throw out of node-opcua and end the process.
      (client as unknown as NodeJS.EventEmitter).on('error', (err: Error) => this.log('warn', `client error: ${errorMessage(err)}`));
      const channelStart = Date.now();
      await within(client.connect(url), this.channelBoundMs, CHANNEL_TIMED_OUT);
      this.lastChannelMs = Date.now() - channelStart;
      this.channelTimeouts = 0;
      if (gen !== this.generation) throw new Superseded();
      const session = await within(client.createSession(this.identity()), this.connectTimeoutMs, 'create session timed out');
      if (gen !== this.generation) throw new Superseded();
      this.sessionsCreated++;
      session.on('session_closed', () => this.onLost(gen, 'session closed by the server'));
      session.on('keepalive_failure', () => this.onLost(gen, 'session keep-alive failed'));
      session.on('error', (err: Error) => this.log('warn', `session error: ${errorMessage(err)}`));
      this.currentSession = session;
      const wasReconnect = this.attempt > 0;
      this.attempt = 0;
      this.lastError = undefined;
      this.security = security;
      if (this.options.securityMode === 'auto') this.strongest = security;
      const described = securityText(security);
      this.setState({ state: 'connected', attempt: 0, message: `connected (${described})` });
      this.log('info', `${wasReconnect ? 'reconnected' : 'connected'} to ${url} (${described}${this.options.securityMode === 'auto' ? ', chosen automatically' : ''})`);
      this.warnIfUnencrypted(url, security);
      this.emit('session', session);
    } catch (err) {
      if (this.client === client) this.client = undefined;
      void this.dispose(client);
      if (err instanceof Superseded || gen !== this.generation || this.closed) return;
      // The failed client's late 'close' must not reschedule sooner: after rejected credentials that
      // would retry every few hundred ms and lock the account.
      this.generation++;
      const raw = this.redact(errorMessage(err));
      if (raw === CHANNEL_TIMED_OUT) this.channelTimeouts++;
      const explained = err instanceof Refused ? raw : explainConnectError(raw, url);
      const auth = AUTH_FAILURE.test(raw);
      this.attempt++;
      // an attempt that timed out has already waited that long: count it towards the pause
      const waited = /timed out/.test(raw) ? Date.now() - startedAt : 0;
      const delay = auth ? this.authRetryMs : Math.max(0, backoffDelay(this.attempt, this.backoff) - waited);
      if (explained !== this.lastError) this.log('warn', `${url}: ${explained}`);
      this.lastError = explained;
      this.setState({ state: 'error', attempt: this.attempt, message: explained, error: explained, retryInMs: delay });
      this.schedule(delay);
    }
  }

  private createClient(certificateManager: CertificateManager, security: SecurityChoice): OPCUAClient {
    return OPCUAClient.create({
      applicationName: this.options.applicationName ?? 'Millwright',
      clientName: this.options.applicationName ?? 'Millwright',
      clientCertificateManager: certificateManager as never,
      securityMode: MessageSecurityMode[security.mode],
      securityPolicy: SecurityPolicy[security.policy],
      endpointMustExist: false,
      // One try per attempt: the retry loop is ours.
      connectionStrategy: { maxRetry: 0, initialDelay: 100, maxDelay: 200, randomisationFactor: 0 },
      keepSessionAlive: true,
      keepAliveInterval: this.keepAliveMs,
      requestedSessionTimeout: 60_000,
      transportTimeout: this.connectTimeoutMs,
      defaultTransactionTimeout: this.connectTimeoutMs,
    });
  }

  /**
   * Security 'auto': asks the server for its endpoints over a discovery channel (no security, as
   * node-opcua itself does to fetch a server certificate) and picks the strongest. The server
   * certificate is then checked against the PKI by the real connect, exactly as for a fixed mode.
   */
  private async discoverSecurity(gen: number, url: string, certificateManager: CertificateManager): Promise<SecurityChoice> {
    const probe = this.createClient(certificateManager, { mode: 'None', policy: 'None' });
    (probe as unknown as NodeJS.EventEmitter).on('error', (err: Error) => this.log('warn', `discovery client error: ${errorMessage(err)}`));
    this.client = probe; // so close() can cut a discovery short
    try {
      // Not counted as a working channel: the secured one that follows may still be the slow part.
      await within(probe.connect(url), this.channelBoundMs, CHANNEL_TIMED_OUT);
      if (gen !== this.generation) throw new Superseded();
      const endpoints = await within(probe.getEndpoints(), this.connectTimeoutMs, 'endpoint discovery timed out');
      if (gen !== this.generation) throw new Superseded();
      const offered = endpoints.map((e) => ({
        mode: MessageSecurityMode[e.securityMode] ?? String(e.securityMode),
        policyUri: e.securityPolicyUri ?? '',
        tokenTypes: (e.userIdentityTokens ?? []).map((t) => UserTokenType[t.tokenType] ?? String(t.tokenType)),
      }));
      const choice = chooseSecurity(offered, this.options.auth.type);
      if (!choice) throw new Error(`the server offers no security mode and policy this client speaks (it offers ${describeOffered(offered)})`);
      const held = holdSecurity(choice, this.strongest, offered);
      if ('refused' in held) throw new Refused(held.refused);
      return held;
    } finally {
      // close() may have taken and disposed the probe already.
      if (this.client === probe) {
        this.client = undefined;
        await this.dispose(probe);
      }
    }
  }

  /** One warning per endpoint when messages travel in clear text, with what to do about it. */
  private warnIfUnencrypted(url: string, security: SecurityChoice): void {
    if (!isUnencrypted({ securityMode: security.mode }) || this.warnedUnencrypted) return;
    this.warnedUnencrypted = true;
    const why = this.options.securityMode === 'auto' ? 'the strongest mode the server offers' : 'as set on the endpoint';
    const what = security.mode === 'Sign' ? 'messages are signed but readable on the network' : 'messages, values and writes are readable and alterable on the network';
    this.log('warn', `unencrypted: ${url} uses security ${securityText(security)} (${why}); ${what}. Enable SignAndEncrypt (Basic256Sha256) on the server, or keep it on an isolated network.`);
  }

  private onLost(gen: number, why: string): void {
    if (gen !== this.generation || this.closed) return;
    this.generation++;
    const client = this.client;
    const hadSession = this.currentSession !== undefined;
    this.client = undefined;
    this.currentSession = undefined;
    if (hadSession) this.emit('session_lost', why);
    this.log('warn', `${this.options.endpointUrl}: ${why}, reconnecting`);
    void this.dispose(client);
    this.attempt = Math.max(1, this.attempt + 1);
    this.setState({ state: 'reconnecting', attempt: this.attempt, message: `reconnecting (attempt ${this.attempt}): ${why}` });
    this.schedule(backoffDelay(1, this.backoff));
  }

  /** Disconnects a client (closing its session and socket), bounded in time. */
  private async dispose(client: OPCUAClient | undefined): Promise<void> {
    if (!client) return;
    const done = within(client.disconnect(), 3000, 'disconnect timed out').catch(() => undefined);
    this.pending.add(done);
    await done;
    this.pending.delete(done);
  }
}

class Superseded extends Error {}
/** A connect given up on purpose, with a message already meant for the user. */
class Refused extends Error {}

const CHANNEL_TIMED_OUT = 'connect timed out';

function securityText(s: SecurityChoice): string {
  return s.mode === 'None' ? 'None' : `${s.mode}/${s.policy}`;
}
