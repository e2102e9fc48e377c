/** Mantine theme: one accent, system fonts (nothing is fetched), compact desktop density. */
import { createTheme, type MantineColorsTuple } from '@mantine/core';

const airlock: MantineColorsTuple = [
  '#eef3ff',
  '#dce4f5',
  '#b9c7e2',
  '#94a8d0',
  '#748dc1',
  '#5f7cb8',
  '#5474b4',
  '#44639f',
  '#39588f',
  '#2d4b81',
];

export const theme = createTheme({
  primaryColor: 'airlock',
  colors: { airlock },
  primaryShade: { light: 7, dark: 5 },
  defaultRadius: 'md',
  fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif',
  fontFamilyMonospace:
    'ui-monospace, "SFMono-Regular", "JetBrains Mono", Menlo, Consolas, "Liberation Mono", monospace',
  headings: { fontWeight: '650' },
  cursorType: 'pointer',
  components: {
    Tooltip: { defaultProps: { openDelay: 300, withArrow: true } },
    Badge: { defaultProps: { variant: 'light' } },
  },
});

/** For inputs that hold paths, URLs or model names: monospace text, ordinary label. */
export const MONO_INPUT = { input: { fontFamily: 'var(--mantine-font-family-monospace)' } };
