// Placeholder until the page is written.
export default function Start() {
  return <section class="page"><h1>Start</h1></section>;
}
