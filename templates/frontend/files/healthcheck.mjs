// The container healthcheck: node is in the image, curl may not be.
const port = process.env.PORT || 5173
fetch(`http://127.0.0.1:${port}/`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))
