import { defineConfig } from 'vite'

export default defineConfig({
  server: {
    // Inside a container the dev server is reached through a published port on another address.
    host: '0.0.0.0',
    port: 5173,
    strictPort: true,
  },
  preview: { port: 5173 },
})
