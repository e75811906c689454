// Lets tsc type-check the theme entry; the .vue files themselves are checked by the build.
declare module '*.vue' {
  import type { DefineComponent } from 'vue';
  const component: DefineComponent;
  export default component;
}
