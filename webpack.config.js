// Worker app only: bundles the even-sum scan thread as a second entry, so that
// dist/apps/worker/scan-slice.worker.js sits beside main.js, where ScanPool looks for it.
// nest-cli.json: projects.worker.compilerOptions.webpackConfigPath = "webpack.config.js".
// (Any other app's options pass through unchanged, so a top-level setting is harmless too.)
module.exports = (options) => {
  const entry = options.entry;
  if (typeof entry !== 'string' || !/apps[\\/]worker[\\/]/.test(entry)) return options;
  return {
    ...options,
    entry: {
      main: entry,
      // commonjs2: piscina requires the file and calls its default export.
      'scan-slice.worker': {
        import: require.resolve('./libs/tasks/src/even-sum/engine/scan-slice.worker.ts'),
        library: { type: 'commonjs2' },
      },
    },
    output: {
      ...options.output,
      filename: options.output.filename.replace(/main\.js$/, '[name].js'),
    },
  };
};
