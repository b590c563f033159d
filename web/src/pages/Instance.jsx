// Placeholder until the page is written.
export default function Instance() {
  return <section class="page"><h1>Instance</h1></section>;
}
