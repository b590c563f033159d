// Placeholder until the page is written.
export default function Instances() {
  return <section class="page"><h1>Instances</h1></section>;
}
