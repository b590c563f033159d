// Placeholder until the page is written.
export default function Task() {
  return <section class="page"><h1>Task</h1></section>;
}
