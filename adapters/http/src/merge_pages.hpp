// Several queues' pages of tasks as one list: what both the task lists (RedisService) and the
// feed's snapshot show, so that they agree.
#pragma once

#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

#include "accord/engine/instance.hpp"

namespace accord::http {

// The pages (each at most `limit` tasks, each in the order of `position_of`) merged in that
// order, each task once. A full page ends where its queue may go on: the merge stops at the
// earliest such end, since a task after it may come after tasks of that queue the page did not
// hold. `full` (if given) says whether a page was full, so that more may follow.
template <typename PositionOf>
std::vector<engine::Task> merge_pages(std::vector<std::vector<engine::Task>> pages,
                                      std::size_t limit, PositionOf position_of,
                                      bool* full = nullptr) {
    using engine::Task;
    std::optional<decltype(position_of(std::declval<const Task&>()))> horizon;
    std::vector<Task> merged;
    for (auto& tasks : pages) {
        if (tasks.size() >= limit && !tasks.empty()) {
            if (full != nullptr) *full = true;
            auto end = position_of(tasks.back());
            if (!horizon || end < *horizon) horizon = std::move(end);
        }
        for (auto& t : tasks) merged.push_back(std::move(t));
    }
    if (horizon) std::erase_if(merged, [&](const Task& t) { return *horizon < position_of(t); });
    std::sort(merged.begin(), merged.end(),
              [&](const Task& a, const Task& b) { return position_of(a) < position_of(b); });
    merged.erase(std::unique(merged.begin(), merged.end(),
                             [](const Task& a, const Task& b) { return a.id == b.id; }),
                 merged.end());
    return merged;
}

}  // namespace accord::http
