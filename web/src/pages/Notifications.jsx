// Placeholder until the page is written.
export default function Notifications() {
  return <section class="page"><h1>Notifications</h1></section>;
}
