import type { Page } from 'playwright-core';

/**
 * Records what went wrong in a page: console errors and warnings, uncaught exceptions, and answers of 400 or
 * more (with their URL; the console's "Failed to load resource" line has none). The browser's own request for
 * /favicon.ico, which the test apps do not serve, is not a problem.
 */
export function watchProblems(page: Page, problems: string[], name = 'page'): void {
  page.on('console', (message) => {
    if (message.text().startsWith('Failed to load resource')) return;
    if (message.type() === 'error' || message.type() === 'warning') problems.push(`${name}: ${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`${name}: uncaught: ${error.message}`));
  page.on('response', (response) => {
    if (response.status() >= 400 && new URL(response.url()).pathname !== '/favicon.ico') problems.push(`${name}: ${response.status()} ${response.url()}`);
  });
}
