export interface EnsuredRedis {
  url: string;
  private: boolean;
  stop(): Promise<void>;
}
export function ensureRedis(url?: string, log?: (line: string) => void): Promise<EnsuredRedis>;
export function freePort(): Promise<number>;
export function pings(url: string, timeoutMs?: number): Promise<boolean>;
