import LuaBridge
import RenderAutomation
import XCTest

/// `rscript.class` (scripts/lib/rscript/class.lua), found through the runtime's library folder.
final class ClassModuleTests: LuaModuleTestCase {

    override class var prelude: String { """
        local Object = require("rscript.class"); local function eq(a, b) if a ~= b then error(string.format("expected %q, got %q", tostring(b), tostring(a)), 2) end end; 
        """ }

    func testConstructionRunsInitAndInheritsIt() {
        run("""
            local Base = Object:extend("Base")
            function Base:init(a, b) self.a, self.b = a, b end
            local Sub = Base:extend("Sub")  -- no init of its own
            local obj = Sub(1, 2)
            eq(obj.a, 1); eq(obj.b, 2); eq(getmetatable(obj), Sub)
            local Bare = Object:extend("Bare"); local bare = Bare("ignored"); eq(next(bare), nil)
            eq(require("rscript.class"), Object)  -- one root class per runtime
            """)
    }

    func testSuperCallsReachTheParent() {
        run("""
            local Base = Object:extend("Base")
            function Base:init(x) self.x = x; self.trail = (self.trail or "") .. "Base" end
            function Base:describe() return "base " .. self.x end
            local Sub = Base:extend("Sub")
            function Sub:init(x, y) Sub.super.init(self, x); self.y = y; self.trail = self.trail .. "Sub" end
            function Sub:describe() return Sub.super.describe(self) .. " sub " .. self.y end
            local Leaf = Sub:extend("Leaf")
            function Leaf:init(...) Leaf.super.init(self, ...); self.trail = self.trail .. "Leaf" end
            local leaf = Leaf(1, 2)
            eq(leaf.trail, "BaseSubLeaf"); eq(leaf:describe(), "base 1 sub 2")
            eq(Sub.super, Base); eq(Leaf.super, Sub); eq(Base.super, Object); eq(Object.super, nil)
            """)
    }

    func testIsChecksInstancesAndClasses() {
        run("""
            local A = Object:extend("A"); local B = A:extend("B"); local C = B:extend("C"); local X = Object:extend("X")
            local b = B()
            eq(b:is(A), true); eq(b:is(B), true); eq(b:is(C), false); eq(b:is(X), false); eq(b:is(Object), true)
            eq(C:is(A), true); eq(A:is(C), false); eq(B:is(B), true); eq(X:is(A), false)
            eq(Object.is({}, A), false); eq(Object.is(5, A), false)
            """)
        expectError("local A = Object:extend('A'); A():is('A')", "is: class expected, got string")
    }

    func testNamesAndTostring() {
        run("""
            local Sub = Object:extend("Base"):extend("Sub")
            eq(Sub.name, "Sub"); eq(Object.name, "Object"); eq(tostring(Sub), "class Sub"); eq(tostring(Object), "class Object")
            local text = tostring(Sub())
            assert(text:match("^Sub: 0x%x+$") or text:match("^Sub: %x+$"), text)
            assert(tostring(Sub()) ~= tostring(Sub()))
            local Named = Object:extend("Named")
            function Named:__tostring() return "named " .. self.n end
            function Named:init(n) self.n = n end
            local Child = Named:extend("Child")
            eq(tostring(Named(1)), "named 1"); eq(tostring(Child(2)), "named 2")  -- inherited __tostring
            """)
    }

    func testMetamethodsAreInherited() {
        run("""
            local V = Object:extend("V")
            function V:init(x) self.x = x end
            function V.__add(a, b) return getmetatable(a)(a.x + b.x) end
            function V.__eq(a, b) return a.x == b.x end
            function V.__lt(a, b) return a.x < b.x end
            function V.__le(a, b) return a.x <= b.x end
            function V:__len() return self.x end
            function V:__call(y) return self.x * y end
            function V.__concat(a, b) return tostring(a.x) .. "|" .. tostring(b.x) end
            function V.__unm(a) return getmetatable(a)(-a.x) end
            local W = V:extend("W")
            local a, b = W(1), W(2)
            eq((a + b).x, 3); eq(getmetatable(a + b), W)
            eq(W(5) == W(5), true); eq(a == b, false)
            eq(a < b, true); eq(b <= a, false); eq(a <= W(1), true)
            eq(#W(7), 7); eq(W(3)(4), 12); eq(a .. b, "1|2"); eq((-a).x, -1)
            local Z = W:extend("Z"); eq(#Z(9), 9)  -- two levels down
            """)
    }

    func testMetamethodsDefinedLaterReachSubclassesThatDoNotOverride() {
        run("""
            local Base = Object:extend("Base")
            local Sub = Base:extend("Sub")
            local Own = Base:extend("Own")
            function Own:__tostring() return "own" end
            local Deep = Sub:extend("Deep")
            function Base:__tostring() return "base" end
            eq(tostring(Sub()), "base"); eq(tostring(Deep()), "base"); eq(tostring(Own()), "own")
            function Base:__len() return 3 end
            eq(#Deep(), 3)
            """)
    }

    func testClassFieldsAreVisibleOnInstancesAndInherited() {
        run("""
            local Base = Object:extend("Base")
            Base.family = "render"
            local Sub = Base:extend("Sub")
            eq(Sub.family, "render"); eq(Sub().family, "render")
            Sub.family = "sub"; eq(Base.family, "render"); eq(Sub().family, "sub")
            local obj = Sub(); obj.family = "mine"; eq(obj.family, "mine"); eq(Sub().family, "sub")
            function Base:hello() return "hello from " .. getmetatable(self).name end
            eq(Sub():hello(), "hello from Sub")
            """)
    }

    func testExtendValidatesItsArguments() {
        expectError("Object:extend(42)", "extend: class name must be a string, got number")
        expectError("Object:extend()", "extend: class name must be a string, got nil")
        expectError("local A = Object:extend('A'); A():extend('B')", "extend: must be called on a class")
        expectError("\nlocal X = Object:extend({})", "test:2: extend: class name must be a string, got table")
    }

    func testExampleRuns() {
        let outcome = runtime.runFile(Self.repositoryRoot + "/scripts/examples/class_example.lua", arguments: [])
        XCTAssertEqual(outcome, .success)
    }
}
