package tui

// keyBinding is a key (or keys) of the dashboard and what it does.
type keyBinding struct{ keys, what string }

// keyHelp is every key the dashboard answers to; the help screen and docs/dashboard.md list it.
func keyHelp() []keyBinding {
	return []keyBinding{
		{"↑/k ↓/j", "select a service"},
		{"enter", "logs of the selected service only"},
		{"a", "logs of all services, interleaved in time order"},
		{"/", "filter the logs (enter applies, esc clears)"},
		{"pgup pgdn", "scroll the logs (the mouse wheel too)"},
		{"home end", "oldest kept line / newest, following"},
		{"F", "pause or resume following"},
		{"w", "wrap long lines"},
		{"t", "show each line's time"},
		{"tab", "cycle logs, activity, dependency graph"},
		{"g", "dependency graph: what each service waits on"},
		{"v", "activity: every event as it happens"},
		{"r", "restart the selected service"},
		{"b", "rebuild its image and replace its container"},
		{"s", "stop it, or start it when stopped"},
		{"f", "re-seed fixtures (of a dependency, or an app's)"},
		{"e", "shell in its container (exit returns here)"},
		{"D", "down: stop and remove the stack (asks first)"},
		{"esc", "clear the filter, then show all services"},
		{"?", "this help (esc closes)"},
		{"q ctrl+c", "quit; the stack keeps running"},
	}
}
