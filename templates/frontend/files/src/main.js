// The page asks the API (API_URL, default http://localhost:8080) for its health, so a new
// engineer sees at a glance that the whole stack answers.
const api = import.meta.env.VITE_API_URL || 'http://localhost:8080'

async function showAPIHealth() {
  const el = document.getElementById('api')
  try {
    const res = await fetch(api + '/health')
    el.textContent = 'API: ' + JSON.stringify(await res.json())
  } catch (err) {
    el.textContent = 'API: not reachable at ' + api + ' (' + err.message + ')'
  }
}

showAPIHealth()
