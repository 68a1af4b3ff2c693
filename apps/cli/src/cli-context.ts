import type { Command } from 'commander';
import { ApiClient } from './api';
import type { PromptStreams } from './cancel.prompt';
import type { Interrupt } from './interrupt';
import { progressFactory, ProgressFactory } from './progress';

/** The program-wide options (before or after the command name). */
export interface GlobalOptions {
  url: string;
  apiKey?: string;
  json: boolean;
  cancelOnInterrupt: boolean;
}

/** What a command works with: the API client, output channels and the Ctrl-C signal. */
export interface CliContext {
  client: ApiClient;
  /** The key the client sends (for a second client, e.g. a cancel after Ctrl-C). */
  apiKey?: string;
  json: boolean;
  /** --cancel-on-interrupt: Ctrl-C while waiting cancels the task on the server. */
  cancelOnInterrupt: boolean;
  /** Where Ctrl-C while waiting asks whether to cancel (when both are a terminal). */
  terminal: PromptStreams;
  /** Runs a question to the person at the terminal without Ctrl-C's forced exit. */
  hold<T>(during: (again: AbortSignal) => Promise<T>): Promise<T>;
  signal: AbortSignal;
  progress: ProgressFactory;
  /** The command's answer on stdout: `plain`, or `data` as one JSON line with --json. */
  emit(plain: string, data: unknown): void;
  /** A JSON answer: indented for people, one line with --json. */
  emitJson(data: unknown): void;
  /** A message for the person at the terminal, on stderr (stdout stays the answer only). */
  info(text: string): void;
}

export type ContextFactory = (command: Command) => CliContext;

/** Builds each command's context from the global options it was called with. */
export function contextFactory(interrupt: Interrupt): ContextFactory {
  const { signal } = interrupt;
  return (command) => {
    const options = command.optsWithGlobals<GlobalOptions>();
    const json = options.json;
    return {
      client: new ApiClient({ url: options.url, apiKey: options.apiKey, signal }),
      apiKey: options.apiKey,
      json,
      cancelOnInterrupt: options.cancelOnInterrupt,
      terminal: { input: process.stdin, output: process.stderr },
      hold: (during) => interrupt.hold(during),
      signal,
      progress: progressFactory(process.stderr),
      emit: (plain, data) => void process.stdout.write(`${json ? JSON.stringify(data) : plain}\n`),
      emitJson: (data) =>
        void process.stdout.write(`${JSON.stringify(data, null, json ? undefined : 2)}\n`),
      info: (text) => void process.stderr.write(`${text}\n`),
    };
  };
}
