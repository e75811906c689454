import DefaultTheme from 'vitepress/theme';
import type { Theme } from 'vitepress';
import ConvolutionDemo from './ConvolutionDemo.vue';

export default {
  extends: DefaultTheme,
  enhanceApp({ app }) {
    app.component('ConvolutionDemo', ConvolutionDemo);
  },
} satisfies Theme;
