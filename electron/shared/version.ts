/** @file The app's version, shown by `lantern --version` and in the app. Keep in step with package.json. */
export const APP_VERSION = '0.1.0';
