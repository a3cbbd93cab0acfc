// Proves the browser wiring: Debian's Chromium starts headless and renders a page.
import { expect, test } from '@playwright/test';

test('chromium renders a page', async ({ page }) => {
  await page.setContent('<h1 id="t">OurCI</h1>');
  await expect(page.locator('#t')).toHaveText('OurCI');
});
