// A guard evaluates without touching the heap. Its own binary, because it replaces the global
// allocation functions to count calls (all of them, so that sanitizers see matching pairs).
#include <atomic>
#include <cstdlib>
#include <new>

#include <gtest/gtest.h>

#include "accord/engine/jsonlogic.hpp"

namespace {
std::atomic<long> g_allocations{0};

void* counted(std::size_t size) {
    g_allocations.fetch_add(1, std::memory_order_relaxed);
    return std::malloc(size == 0 ? 1 : size);
}
void* counted_aligned(std::size_t size, std::align_val_t align) {
    g_allocations.fetch_add(1, std::memory_order_relaxed);
    const auto a = static_cast<std::size_t>(align);
    return std::aligned_alloc(a, (size + a - 1) / a * a);
}
}  // namespace

void* operator new(std::size_t n) {
    if (void* p = counted(n)) return p;
    throw std::bad_alloc();
}
void* operator new[](std::size_t n) {
    if (void* p = counted(n)) return p;
    throw std::bad_alloc();
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
    return counted(n);
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
    return counted(n);
}
void* operator new(std::size_t n, std::align_val_t a) {
    if (void* p = counted_aligned(n, a)) return p;
    throw std::bad_alloc();
}
void* operator new[](std::size_t n, std::align_val_t a) {
    if (void* p = counted_aligned(n, a)) return p;
    throw std::bad_alloc();
}
void* operator new(std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
    return counted_aligned(n, a);
}
void* operator new[](std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
    return counted_aligned(n, a);
}
void operator delete(void* p) noexcept {
    std::free(p);
}
void operator delete[](void* p) noexcept {
    std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
    std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
    std::free(p);
}
void operator delete(void* p, const std::nothrow_t&) noexcept {
    std::free(p);
}
void operator delete[](void* p, const std::nothrow_t&) noexcept {
    std::free(p);
}
void operator delete(void* p, std::align_val_t) noexcept {
    std::free(p);
}
void operator delete[](void* p, std::align_val_t) noexcept {
    std::free(p);
}
void operator delete(void* p, std::size_t, std::align_val_t) noexcept {
    std::free(p);
}
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept {
    std::free(p);
}
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept {
    std::free(p);
}
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept {
    std::free(p);
}

namespace accord::engine::logic {
namespace {

TEST(Evaluate, EqualityGuardEvaluatesWithoutHeapAllocation) {
    const auto guard = compile(json::parse(R"({"==": [{"var": "risk"}, "high"]})"));
    const auto nested = compile(json::parse(
        R"({"and": [{"==": [{"var": "case.risk"}, "high"]}, {">=": [{"var": "case.amount"}, 1000]},
                    {"!": {"var": "$event.urgent"}}]})"));
    ASSERT_TRUE(guard.ok());
    ASSERT_TRUE(nested.ok());
    const json data = json::parse(R"({"risk": "high", "case": {"risk": "high", "amount": 5000}})");
    const json event = json::parse(R"({"urgent": false})");
    const std::pair<std::string_view, const json*> roots[] = {{"$event", &event}};
    const Context ctx{0, roots};
    json scratch;
    const long before = g_allocations.load();
    const bool first = truthy(guard->evaluate(data, ctx, scratch));
    const bool second = truthy(nested->evaluate(data, ctx, scratch));
    const long allocations = g_allocations.load() - before;
    EXPECT_TRUE(first);
    EXPECT_TRUE(second);
    EXPECT_EQ(allocations, 0);
}

TEST(Evaluate, TheCounterSeesAllocations) {
    const long before = g_allocations.load();
    auto* p = new json(json::array({1, 2, 3}));
    delete p;
    EXPECT_GT(g_allocations.load() - before, 0);
}

}  // namespace
}  // namespace accord::engine::logic
