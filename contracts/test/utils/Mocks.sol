// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

interface IRoundsLike {
    function withdraw(address token) external;
    function withdraw() external;
}

/// A plain ERC-20 anyone can mint.
contract MockToken is ERC20 {
    constructor() ERC20("Mock", "MOCK") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}

/// Keeps 1% of every transfer: the receiver gets less than was asked.
contract FeeToken is ERC20 {
    constructor() ERC20("Fee", "FEE") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function _update(address from, address to, uint256 value) internal override {
        if (from != address(0) && to != address(0)) {
            uint256 fee = value / 100;
            super._update(from, address(0), fee);
            value -= fee;
        }
        super._update(from, to, value);
    }
}

/// Moves nothing and answers false to transfer and transferFrom.
contract FalseToken is ERC20 {
    constructor() ERC20("False", "FALSE") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function transfer(address, uint256) public pure override returns (bool) {
        return false;
    }

    function transferFrom(address, address, uint256) public pure override returns (bool) {
        return false;
    }
}

/// Calls back into the rounds contract from transfer and transferFrom, once armed.
contract ReentrantToken is ERC20 {
    IRoundsLike public target;
    bool public armed;
    bytes public lastError;

    constructor() ERC20("Reenter", "RE") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function arm(IRoundsLike t) external {
        target = t;
        armed = true;
    }

    function disarm() external {
        armed = false;
    }

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        if (armed && from != address(0) && to != address(0)) {
            armed = false;
            // The re-entered call must fail; its revert is passed up so the test sees it.
            target.withdraw(address(this));
        }
    }
}

/// Receives ETH from withdraw and tries to withdraw again from its receive function.
contract ReentrantReceiver {
    IRoundsLike public immutable rounds;
    bool public tried;

    constructor(IRoundsLike r) {
        rounds = r;
    }

    function pull() external {
        rounds.withdraw();
    }

    receive() external payable {
        tried = true;
        rounds.withdraw(); // reverts (reentrancy guard), so the whole payout reverts
    }
}

/// Refuses ETH.
contract Refuser {
    function pull(IRoundsLike r) external {
        r.withdraw();
    }
}
