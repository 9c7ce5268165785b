/**
 * The parts of egnyte-js-sdk (plain JavaScript, no types of its own) that
 * spec/emulator/egnyte-js-sdk.spec.ts drives. Its promises are Q promises: thenables.
 */
declare module 'egnyte-js-sdk' {
  /** An error as the SDK's `errorify` builds it. */
  export interface EgnyteSdkError extends Error {
    statusCode: number;
    body?: unknown;
    RATE?: boolean;
  }

  /** Options of `init` the spec uses. */
  export interface EgnyteSdkOptions {
    key?: string;
    token?: string;
    handleQuota?: boolean;
    QPS?: number;
    onInvalidToken?: () => void;
  }

  /** What `init` returns. */
  export interface EgnyteSdk {
    domain: string;
    API: {
      auth: {
        requestTokenByPassword(username: string, password: string): PromiseLike<string>;
        getUserInfo(): PromiseLike<Record<string, unknown>>;
        getToken(): string | null;
        isAuthorized(): boolean;
        setToken(token: string): void;
      };
      user: {
        getById(id: number | string): PromiseLike<Record<string, unknown>>;
        getByName(username: string): PromiseLike<Record<string, unknown>>;
      };
    };
  }

  const egnyte: { init(egnyteDomainURL: string, options?: EgnyteSdkOptions): EgnyteSdk };
  export default egnyte;
}
