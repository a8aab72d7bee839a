// The UMD build of chinese-days has the same API as the package entry.
declare module 'chinese-days/dist/index.min.js' {
  export * from 'chinese-days';
}
