// Jest's default reporter prints nothing of a test file whose tests were all skipped, not even
// its console output (@jest/reporters 30, DefaultReporter.onTestResult: `if (!testResult.skipped) {
// this.printTestFileHeader(...) }`, and the console is printed only from printTestFileHeader). The end-to-end
// suites skip when redis-server is missing and say why on the console; this reporter prints what a skipped
// file said, after the summary, so the skip is visible in the output of `npm test`.
'use strict';

class SkippedSuiteReporter {
  constructor() {
    this.messages = new Map();
  }

  onTestResult(_test, testResult) {
    if (!testResult.skipped || !testResult.console) return;
    for (const entry of testResult.console) {
      const files = this.messages.get(entry.message) || new Set();
      files.add(require('path').relative(process.cwd(), testResult.testFilePath));
      this.messages.set(entry.message, files);
    }
  }

  onRunComplete() {
    for (const [message, files] of this.messages) {
      process.stderr.write(`\n${message.trim()}\n(skipped: ${[...files].sort().join(', ')})\n`);
    }
  }
}

module.exports = SkippedSuiteReporter;
