// Side-effect CSS imports are bundled by esbuild into <entry>.css.
declare module "*.css";
